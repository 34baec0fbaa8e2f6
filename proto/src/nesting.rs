//! A pass over a frame's msgpack structure that checks, without recursion, that it is
//! complete and nested no deeper than [`MAX_DEPTH`].
//!
//! rmpv decodes recursively and only stops at 1,024 levels, several kilobytes of stack each
//! in a debug build: a frame of a few hundred `0x91` bytes overflows a 2 MiB thread stack
//! and aborts the process. Locust's messages nest five levels at most, so frames deeper than
//! [`MAX_DEPTH`] are refused before rmpv sees them.

use crate::error::DecodeError;

/// Deepest nesting of arrays and maps accepted (the envelope array is level 1).
pub(crate) const MAX_DEPTH: usize = 100;

pub(crate) fn check_nesting(bytes: &[u8]) -> Result<(), DecodeError> {
    let truncated = || DecodeError::Malformed(format!("frame ends early ({} bytes)", bytes.len()));
    // Items still expected by each open array or map, innermost last.
    let mut open: Vec<u64> = Vec::new();
    let mut pos = 0usize;
    loop {
        let marker = *bytes.get(pos).ok_or_else(truncated)?;
        pos += 1;
        let (skip, children) = shape(marker, |width| read_len(bytes, &mut pos, width))
            .ok_or_else(truncated)?
            .map_err(|m| DecodeError::Malformed(format!("reserved marker byte 0x{m:02x}")))?;
        pos = pos.checked_add(skip).filter(|&end| end <= bytes.len()).ok_or_else(truncated)?;
        if children > 0 {
            if open.len() >= MAX_DEPTH {
                return Err(DecodeError::Malformed(format!("nested deeper than {MAX_DEPTH}")));
            }
            open.push(children);
            continue;
        }
        // This value is complete: close every container it completes.
        loop {
            match open.last_mut() {
                None => return Ok(()),
                Some(left) => {
                    *left -= 1;
                    if *left > 0 {
                        break;
                    }
                    open.pop();
                }
            }
        }
    }
}

/// For a marker: the payload bytes to skip and the number of child values. None when a
/// length field is cut off; Err for the one reserved marker, 0xc1.
fn shape(
    marker: u8,
    mut len: impl FnMut(usize) -> Option<u64>,
) -> Option<Result<(usize, u64), u8>> {
    let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    Some(Ok(match marker {
        0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => (0, 0),
        0x80..=0x8f => (0, 2 * u64::from(marker & 0x0f)),
        0x90..=0x9f => (0, u64::from(marker & 0x0f)),
        0xa0..=0xbf => (usize::from(marker & 0x1f), 0),
        0xc1 => return Some(Err(marker)),
        0xc4 | 0xd9 => (size(len(1)?), 0),
        0xc5 | 0xda => (size(len(2)?), 0),
        0xc6 | 0xdb => (size(len(4)?), 0),
        0xc7 => (size(len(1)?).saturating_add(1), 0),
        0xc8 => (size(len(2)?).saturating_add(1), 0),
        0xc9 => (size(len(4)?).saturating_add(1), 0),
        0xca => (4, 0),
        0xcb => (8, 0),
        0xcc | 0xd0 => (1, 0),
        0xcd | 0xd1 => (2, 0),
        0xce | 0xd2 => (4, 0),
        0xcf | 0xd3 => (8, 0),
        0xd4 => (2, 0),
        0xd5 => (3, 0),
        0xd6 => (5, 0),
        0xd7 => (9, 0),
        0xd8 => (17, 0),
        0xdc => (0, len(2)?),
        0xdd => (0, len(4)?),
        0xde => (0, 2 * len(2)?),
        0xdf => (0, 2 * len(4)?),
    }))
}

/// A big-endian length of `width` bytes at `pos`, advancing past it.
fn read_len(bytes: &[u8], pos: &mut usize, width: usize) -> Option<u64> {
    let field = bytes.get(*pos..pos.checked_add(width)?)?;
    *pos += width;
    Some(field.iter().fold(0u64, |n, &b| (n << 8) | u64::from(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_complete_frames_and_refuses_deep_or_cut_ones() {
        assert_eq!(check_nesting(&[0x93, 0xa1, b'x', 0x80, 0xc0]), Ok(()));
        assert_eq!(check_nesting(&[0x92, 0x91, 0xc0, 0xdc, 0, 0]), Ok(()));
        let deep = [vec![0x91; MAX_DEPTH], vec![0xc0]].concat();
        assert_eq!(check_nesting(&deep), Ok(()));
        let deeper = [vec![0x91; MAX_DEPTH + 1], vec![0xc0]].concat();
        assert!(check_nesting(&deeper).is_err());
        assert!(check_nesting(&[0x92, 0xc0]).is_err());
        assert!(check_nesting(&[0xd9, 5, b'a']).is_err());
        assert!(check_nesting(&[0xdd, 0xff]).is_err());
        assert!(check_nesting(&[0xc1]).is_err());
    }
}
