//! TLS on rustls (ring provider) through monoio-rustls: the two client configs of a shard
//! (verifying against webpki-roots, and `verify=False`), and the handshake.
//!
//! Configs are built once per shard, on first use, because building one parses every root
//! certificate; connections share them through an `Arc`.

use std::cell::OnceCell;
use std::io;
use std::sync::Arc;

use monoio_rustls::{ClientTlsStream, TlsConnector, TlsError};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{ring, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::api::HttpError;
use super::io::TcpStream;
use super::url::HostKind;

pub(crate) type TlsStream = ClientTlsStream<TcpStream>;

#[derive(Default)]
pub(crate) struct TlsConfigs {
    verifying: OnceCell<TlsConnector>,
    trusting: OnceCell<TlsConnector>,
}

impl TlsConfigs {
    pub(crate) fn connector(&self, verify: bool) -> Result<&TlsConnector, HttpError> {
        let cell = if verify { &self.verifying } else { &self.trusting };
        if let Some(connector) = cell.get() {
            return Ok(connector);
        }
        let config = build(verify).map_err(|e| HttpError::Tls(format!("TLS setup failed: {e}")))?;
        Ok(cell.get_or_init(|| TlsConnector::from(Arc::new(config))))
    }
}

fn build(verify: bool) -> Result<ClientConfig, rustls::Error> {
    let provider = Arc::new(ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    let mut config = if verify {
        let roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(TrustAnything(provider)))
            .with_no_client_auth()
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Runs the TLS handshake over `tcp` for `host` (its name is sent as SNI and checked against
/// the certificate when verifying).
pub(crate) async fn handshake(
    connector: &TlsConnector,
    host: HostKind<'_>,
    tcp: TcpStream,
) -> Result<TlsStream, HttpError> {
    let name = match host {
        HostKind::Ip(ip) => ServerName::from(ip),
        HostKind::Name(name) => ServerName::try_from(name.to_owned())
            .map_err(|_| HttpError::Tls(format!("{name} is not a valid TLS server name")))?,
    };
    connector.connect(name, tcp).await.map_err(handshake_error)
}

fn handshake_error(e: TlsError) -> HttpError {
    match e {
        TlsError::Rustls(e) => HttpError::Tls(e.to_string()),
        TlsError::Io(e) => {
            if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return HttpError::Tls(inner.to_string());
            }
            match e.kind() {
                io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe => {
                    HttpError::ConnectionReset
                }
                io::ErrorKind::UnexpectedEof => HttpError::Tls(
                    "EOF occurred in violation of protocol (during the TLS handshake)".into(),
                ),
                _ => HttpError::Tls(e.to_string()),
            }
        }
    }
}

/// `verify=False`: any certificate, any name, any handshake signature, as requests does.
/// (Checking signatures against an unverified key would prove nothing.) The provider only
/// supplies the list of schemes to offer.
#[derive(Debug)]
struct TrustAnything(Arc<CryptoProvider>);

impl ServerCertVerifier for TrustAnything {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
