//! The 64-byte ZMTP 3.x greeting (signature, version, mechanism), written whole and read in
//! the three stages libzmq sends it in.
//!
//! libzmq sends its signature, then its major version only once it has seen ours, then the
//! rest only once it has seen our major version (reference §1.3). So we always write our full
//! greeting first and then read the peer's piece by piece, failing at the first piece that is
//! not ZMTP 3: a peer that is not ZMTP at all is refused after 10 bytes.

use std::io::Read;

use super::TransportError;

/// Length of a ZMTP 3 greeting.
pub(crate) const GREETING_LEN: usize = 64;
/// Signature (10) + major (1); the rest of the greeting follows.
const SIGNATURE_LEN: usize = 10;
const MAJOR: u8 = 3;
/// libzmq 4.3 announces 3.1 (PING/PONG); 3.0 peers are accepted too.
const MINOR: u8 = 1;
const MECHANISM: &[u8] = b"NULL";

/// Our greeting. The padding holds `identity_len + 1` as a big-endian u64, as libzmq writes it
/// (a ZMTP 1.0 artefact); peers ignore it, and matching libzmq keeps our bytes equal to the
/// captures. `as_server` is meaningless for NULL and written as 0, as Locust's master does.
pub(crate) fn encode(identity_len: usize) -> [u8; GREETING_LEN] {
    let mut g = [0u8; GREETING_LEN];
    g[0] = 0xFF;
    g[1..9].copy_from_slice(&(identity_len as u64 + 1).to_be_bytes());
    g[9] = 0x7F;
    g[10] = MAJOR;
    g[11] = MINOR;
    g[12..12 + MECHANISM.len()].copy_from_slice(MECHANISM);
    g
}

/// The peer's version, once its greeting has been read and accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PeerVersion {
    pub major: u8,
    pub minor: u8,
}

/// Read and check the peer's greeting in libzmq's stages.
pub(crate) fn read(r: &mut impl Read) -> Result<PeerVersion, TransportError> {
    let mut signature = [0u8; SIGNATURE_LEN];
    r.read_exact(&mut signature)?;
    check_signature(&signature)?;
    let mut major = [0u8; 1];
    r.read_exact(&mut major)?;
    let mut rest = [0u8; GREETING_LEN - SIGNATURE_LEN - 1];
    // ZMTP 1.0/2.0 peers continue differently after the signature: refuse before reading on.
    if major[0] < MAJOR {
        return Err(TransportError::UnsupportedVersion(major[0]));
    }
    r.read_exact(&mut rest)?;
    check_rest(&rest)?;
    Ok(PeerVersion { major: major[0], minor: rest[0] })
}

/// Byte 0 is 0xFF and byte 9 is 0x7F; the 8 padding bytes between are ignored.
fn check_signature(s: &[u8; SIGNATURE_LEN]) -> Result<(), TransportError> {
    if s[0] != 0xFF || s[9] != 0x7F {
        return Err(TransportError::BadSignature(s.to_vec()));
    }
    Ok(())
}

/// Bytes 11..64: minor version, 20-byte mechanism, as-server, filler. Only the mechanism
/// matters: we speak NULL alone, like Locust.
fn check_rest(rest: &[u8; GREETING_LEN - SIGNATURE_LEN - 1]) -> Result<(), TransportError> {
    let mechanism = &rest[1..21];
    let name_len = mechanism.iter().position(|&b| b == 0).unwrap_or(mechanism.len());
    if &mechanism[..name_len] != MECHANISM || mechanism[name_len..].iter().any(|&b| b != 0) {
        let name = String::from_utf8_lossy(&mechanism[..name_len]).into_owned();
        return Err(TransportError::Mechanism(name));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ff 00…00 <pad> 7f 03 01 'NULL' 00…` with `pad` at byte 8.
    fn observed(pad: u8) -> Vec<u8> {
        let mut g = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, pad, 0x7F, 3, 1];
        g.extend_from_slice(b"NULL");
        g.resize(GREETING_LEN, 0);
        g
    }

    #[test]
    fn ours_match_the_captured_libzmq_greetings() {
        // Python master ROUTER (empty identity): padding 1.
        assert_eq!(encode(0).to_vec(), observed(0x01));
        // Python worker DEALER with a 35-byte id: padding 0x24; a 13-byte id: 0x0e.
        assert_eq!(encode(35).to_vec(), observed(0x24));
        assert_eq!(encode(13).to_vec(), observed(0x0e));
    }

    #[test]
    fn reads_libzmq_and_zmtp_3_0_greetings() {
        let v = read(&mut &observed(0x01)[..]).unwrap();
        assert_eq!(v, PeerVersion { major: 3, minor: 1 });
        let mut g30 = observed(0x00);
        g30[11] = 0;
        g30[32] = 1; // as-server is ignored
        assert_eq!(read(&mut &g30[..]).unwrap(), PeerVersion { major: 3, minor: 0 });
    }

    #[test]
    fn refuses_a_bad_signature_after_ten_bytes() {
        // An HTTP client: refused without waiting for 64 bytes.
        let err = read(&mut &b"GET / HTTP/1.1\r\n"[..]).unwrap_err();
        assert!(matches!(err, TransportError::BadSignature(_)), "{err}");
        let mut g = observed(1);
        g[9] = 0x7E;
        assert!(matches!(read(&mut &g[..]), Err(TransportError::BadSignature(_))));
    }

    #[test]
    fn refuses_older_major_versions_before_reading_the_rest() {
        let mut g = observed(1)[..11].to_vec();
        g[10] = 2;
        // Only 11 bytes available: the version is refused without reading further.
        assert!(matches!(read(&mut &g[..]), Err(TransportError::UnsupportedVersion(2))));
    }

    #[test]
    fn refuses_other_mechanisms_and_truncation() {
        let mut g = observed(1);
        g[12..17].copy_from_slice(b"CURVE");
        let err = read(&mut &g[..]).unwrap_err();
        assert!(matches!(&err, TransportError::Mechanism(m) if m == "CURVE"), "{err}");
        let mut g = observed(1);
        g[20] = b'X'; // junk after "NULL\0"
        assert!(matches!(read(&mut &g[..]), Err(TransportError::Mechanism(_))));
        let short = observed(1);
        let err = read(&mut &short[..40]).unwrap_err();
        assert!(
            matches!(&err, TransportError::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof)
        );
    }
}
