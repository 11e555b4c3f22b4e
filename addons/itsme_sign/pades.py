"""The instance's signing key, and the PAdES signature it puts on every signed PDF.

The key and its self-signed certificate are made on first use and kept in
one file, ``itsme_sign_key.pem`` (0600), in ``ITSME_SIGN_KEY_DIR`` (the
instance folder by default). The file is created with ``O_EXCL`` through a
link, so two processes starting at once end up with the same key. The
certificate alone is also written to ``itsme_sign_cert.pem`` so it can be
handed out to whoever checks the signatures.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko_certvalidator.registry import SimpleCertificateStore

KEY_FILE = "itsme_sign_key.pem"
CERT_FILE = "itsme_sign_cert.pem"
FIELD_NAME = "InstanceSignature"


def _new_key_pem(common_name: str) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "IAP Host itsme Sign"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem + certificate.public_bytes(serialization.Encoding.PEM)


def ensure_key(folder: Path, common_name: str = "IAP Host document signing") -> Path:
    """The key file in ``folder``, made (0600) when there is none yet."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / KEY_FILE
    if not path.exists():
        descriptor, temporary = tempfile.mkstemp(prefix=".itsme_sign_key.", dir=folder)
        try:
            os.fchmod(descriptor, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(_new_key_pem(common_name))
            try:
                os.link(temporary, path)  # fails if another process was first: its key wins
            except FileExistsError:
                pass
        finally:
            os.unlink(temporary)
    cert_path = folder / CERT_FILE
    if not cert_path.exists():
        cert_path.write_bytes(certificate_pem(path))
    return path


def certificate_pem(key_path: Path) -> bytes:
    data = key_path.read_bytes()
    start = data.index(b"-----BEGIN CERTIFICATE-----")
    return data[start:]


def certificate_fingerprint(key_path: Path) -> str:
    """The SHA-256 of the certificate, as printed on the certificate page."""
    cert = x509.load_pem_x509_certificate(certificate_pem(key_path))
    return cert.fingerprint(hashes.SHA256()).hex()


def _signer(key_path: Path) -> signers.SimpleSigner:
    data = key_path.read_bytes()
    key = load_private_key_from_pemder_data(data, passphrase=None)
    cert = next(iter(load_certs_from_pemder_data(certificate_pem(key_path))))
    return signers.SimpleSigner(
        signing_cert=cert,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([cert]),
    )


def sign(pdf: bytes, key_path: Path, *, reason: str, location: str = "") -> bytes:
    """``pdf`` with a PAdES signature (an incremental update, so the signed
    bytes stay as they were and any reader can show the signature intact)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _sign(pdf, key_path, reason=reason, location=location)
    # pyHanko runs its own event loop, which a running one (a caller's) refuses.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_sign, pdf, key_path, reason=reason, location=location).result()


def _sign(pdf: bytes, key_path: Path, *, reason: str, location: str) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        reason=reason[:200],
        location=location[:200] or None,
    )
    out = signers.sign_pdf(writer, metadata, signer=_signer(key_path))
    return out.getvalue()
