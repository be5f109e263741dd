"""Certificates for the fake Entra ID and Graph: its own HTTPS, and an app's credential.

The server certificate names 127.0.0.1 and every Microsoft sign-in and Graph host the fake
can stand in for (``national_clouds``), so a test can reach it by the national clouds' real
names and have TLS check them; it is trusted only by the tests that pass it as their CA.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from testing.entra.national_clouds import CLOUD_HOSTS


def make_client_certificate(folder: Path) -> tuple[Path, Path]:
    """An app registration's certificate credential: (PEM with the RSA key and the
    certificate, as the bot reads it; the certificate alone, as uploaded to Entra)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "policybot directory sync")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2)).sign(key, hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    both, alone = folder / "app-credential.pem", folder / "app-certificate.pem"
    both.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()) + cert_pem)
    alone.write_bytes(cert_pem)
    return both, alone


def make_certificate(folder: Path) -> Path:
    """A self-signed certificate for 127.0.0.1 and the cloud hosts; the file holds the
    certificate (the CA to trust) and a ``.key`` beside it holds the key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    names: list[x509.GeneralName] = [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    names += [x509.DNSName(host) for host in sorted(CLOUD_HOSTS)]
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path = folder / "graph-cert.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "graph-cert.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return cert_path
