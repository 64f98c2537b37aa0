"""The secrets value's checks and the private folder they are kept in."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from drone_ai.adapters.secrets.tower_secrets import SecretName, TowerSecrets, keep
from drone_ai.errors import SecretsError

CERT = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
KEY = b"-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"tls_cert_pem": CERT}, "got the certificate without the key"),
        ({"tls_key_pem": KEY}, "got the key without the cert"),
        ({"tls_client_ca_pem": CERT}, "got the client CA alone"),
        ({"tls_cert_pem": KEY, "tls_key_pem": KEY}, "TLS certificate: PEM with"),
    ],
    ids=["cert-alone", "key-alone", "client-ca-alone", "key-as-cert"],
)
def test_incomplete_tls_material_is_refused(values: dict[str, bytes], message: str) -> None:
    with pytest.raises(SecretsError, match=message):
        TowerSecrets(**values)


def test_a_key_pasted_as_the_certificate_is_not_repeated_in_the_message() -> None:
    with pytest.raises(SecretsError) as refused:
        TowerSecrets(tls_cert_pem=KEY, tls_key_pem=KEY)
    assert "MIGH" not in str(refused.value)


def test_the_folder_is_made_private_even_when_it_was_not(tmp_path: Path) -> None:
    folder = tmp_path / "secrets"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    kept = keep(TowerSecrets(CERT, KEY), folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [p.name for p in kept.written] == ["tls_cert.pem", "tls_key.pem"]
    assert kept.absent == (SecretName.TLS_CLIENT_CA, SecretName.PARTNERS)


def test_a_folder_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "secrets").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(SecretsError, match="a folder expected, got another kind of file"):
        keep(TowerSecrets(CERT, KEY), tmp_path / "secrets")
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_a_folder_that_cannot_be_made_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SecretsError, match="a writable folder expected"):
        keep(TowerSecrets(CERT, KEY), tmp_path / "missing" / "secrets")
