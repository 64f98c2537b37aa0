"""The tower's secrets as one value, and the folder they are kept in for `drone-ai serve`.

The folder (the service's runtime folder on a host: /run/drone-ai/secrets, tmpfs, removed
when the service stops) is made 0700 and each file 0600, written atomically; a file whose
secret is no longer in the store is removed, so that a partner taken out of the store loses
access at the next start. The file names are the contract with `drone-ai host-setup`'s
tower.toml.
"""

from __future__ import annotations

import enum
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from drone_ai.adapters.host.atomic_file import write_atomically
from drone_ai.errors import SecretsError

FOLDER_MODE = 0o700
FILE_MODE = 0o600


class SecretName(enum.Enum):
    """Each secret, valued by the file it is kept in."""

    TLS_CERT = "tls_cert.pem"
    TLS_KEY = "tls_key.pem"
    TLS_CLIENT_CA = "tls_client_ca.pem"
    PARTNERS = "partners.json"


@dataclass(frozen=True, slots=True)
class TowerSecrets:
    """What the store holds (None: absent). A certificate comes with its key or not at all."""

    tls_cert_pem: bytes | None = None
    tls_key_pem: bytes | None = None
    tls_client_ca_pem: bytes | None = None
    partners_json: bytes | None = None

    def __post_init__(self) -> None:
        if (self.tls_cert_pem is None) != (self.tls_key_pem is None):
            have, lack = ("certificate", "key") if self.tls_key_pem is None else ("key", "cert")
            raise SecretsError(
                f"TLS: a certificate and its key expected together, got the {have} "
                f"without the {lack}"
            )
        if self.tls_client_ca_pem is not None and self.tls_cert_pem is None:
            raise SecretsError(
                "TLS: a client CA (mutual TLS) expected with a server certificate and key, "
                "got the client CA alone"
            )
        _check_pem("certificate", self.tls_cert_pem, b"-----BEGIN CERTIFICATE-----")
        _check_pem("client CA", self.tls_client_ca_pem, b"-----BEGIN CERTIFICATE-----")
        _check_pem("key", self.tls_key_pem, b"PRIVATE KEY-----")
        if self.partners_json is not None:
            try:
                json.loads(self.partners_json)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                # The position, not the text: a token pasted by mistake is not repeated.
                raise SecretsError(
                    f"partners: JSON expected, got {len(self.partners_json)} bytes that are "
                    f"not (at {getattr(exc, 'pos', '?')})"
                ) from None

    @classmethod
    def of(cls, values: Mapping[SecretName, bytes | None]) -> TowerSecrets:
        return cls(
            values.get(SecretName.TLS_CERT),
            values.get(SecretName.TLS_KEY),
            values.get(SecretName.TLS_CLIENT_CA),
            values.get(SecretName.PARTNERS),
        )

    def by_name(self) -> dict[SecretName, bytes | None]:
        return {
            SecretName.TLS_CERT: self.tls_cert_pem,
            SecretName.TLS_KEY: self.tls_key_pem,
            SecretName.TLS_CLIENT_CA: self.tls_client_ca_pem,
            SecretName.PARTNERS: self.partners_json,
        }


def _check_pem(what: str, pem: bytes | None, marker: bytes) -> None:
    if pem is not None and marker not in pem:
        # Only the size: a private key's bytes are never echoed.
        raise SecretsError(
            f"TLS {what}: PEM with {marker.decode()!r} expected, got {len(pem)} bytes without it"
        )


@dataclass(frozen=True, slots=True)
class KeptSecrets:
    """What `keep` did: the files written (or already right), and the secrets absent."""

    written: tuple[Path, ...]
    absent: tuple[SecretName, ...]


def keep(secrets: TowerSecrets, folder: Path, *, allow_missing_tls: bool = False) -> KeptSecrets:
    """Writes the secrets into `folder` (see the module's docstring). Without TLS material
    this refuses (SecretsError) unless `allow_missing_tls`: a tower serving beyond its host
    refuses plaintext anyway, and a clear message here beats a restart loop later."""
    if secrets.tls_cert_pem is None and not allow_missing_tls:
        raise SecretsError(
            "TLS: a certificate and key expected in the store (tls/cert, tls/key), got "
            "neither; store them, or pass --allow-missing-tls for a tower that serves "
            "plaintext on loopback only"
        )
    written, absent = [], []
    try:
        _make_private_folder(folder)
        for name, value in secrets.by_name().items():
            path = folder / name.value
            if value is None:
                path.unlink(missing_ok=True)
                absent.append(name)
            else:
                write_atomically(path, value, FILE_MODE)
                written.append(path)
    except OSError as exc:
        raise SecretsError(f"secrets folder {folder}: a writable folder expected: {exc}") from exc
    return KeptSecrets(tuple(written), tuple(absent))


def _make_private_folder(folder: Path) -> None:
    folder.mkdir(mode=FOLDER_MODE, exist_ok=True)
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode):
        raise SecretsError(f"secrets folder {folder}: a folder expected, got another kind of file")
    if info.st_uid != os.geteuid():
        raise SecretsError(
            f"secrets folder {folder}: a folder of this user (uid {os.geteuid()}) expected, "
            f"got one of uid {info.st_uid}"
        )
    os.chmod(folder, FOLDER_MODE)  # mkdir's mode is cut by the umask; an old folder keeps its own
