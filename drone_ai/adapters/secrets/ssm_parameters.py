"""The tower's secrets from AWS Systems Manager Parameter Store, through boto3.

Under a prefix such as `/drone-ai/tower` (the contract with the deployment template):

    <prefix>/tls/cert       the server certificate chain (PEM)       with tls/key, or neither
    <prefix>/tls/key        its private key (PEM), a SecureString
    <prefix>/tls/client_ca  optional: the CA partners' client certificates come from (PEM)
    <prefix>/partners       optional: the partners file (JSON, token digests only)

All four are read in one GetParameters call with decryption (the instance role needs
ssm:GetParameters on `<prefix>/*`, and kms:Decrypt when a customer key encrypts them). The
call is bounded: connect and read timeouts, a few attempts with boto3's standard backoff,
then SecretsError; a start never hangs on an unreachable endpoint. Values never appear in a
message. boto3 types never leave this module.
"""

from __future__ import annotations

import re
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from drone_ai.adapters.secrets.tower_secrets import SecretName, TowerSecrets
from drone_ai.errors import SecretsError

# SSM's hierarchy: "/"-separated names of letters, digits and . _ - (no "aws"/"ssm" prefix
# checks here: SSM refuses those itself, with its own message).
_PREFIX = re.compile(r"(/[A-Za-z0-9_.\-]+)+")
_PARAMETER_PATHS = {
    SecretName.TLS_CERT: "tls/cert",
    SecretName.TLS_KEY: "tls/key",
    SecretName.TLS_CLIENT_CA: "tls/client_ca",
    SecretName.PARTNERS: "partners",
}


def parameter_prefix(text: str) -> str:
    """A parameter hierarchy such as `/drone-ai/tower` (a trailing "/" is dropped), or
    SecretsError naming what was expected."""
    prefix = text.rstrip("/")
    if not _PREFIX.fullmatch(prefix):
        raise SecretsError(
            f"secrets prefix: an SSM parameter path expected (/name/name, letters, digits "
            f"and . _ -), got {text!r}"
        )
    return prefix


def parameter_names(prefix: str) -> dict[SecretName, str]:
    """Each secret's full parameter name under `prefix`."""
    checked = parameter_prefix(prefix)
    return {name: f"{checked}/{path}" for name, path in _PARAMETER_PATHS.items()}


class SsmParameterSecrets:
    """Reads the tower's secrets under one prefix (see the module's docstring)."""

    def __init__(
        self,
        prefix: str,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        connect_timeout_s: float = 3.0,
        read_timeout_s: float = 10.0,
        max_attempts: int = 3,
    ) -> None:
        if not 1 <= max_attempts <= 10:
            raise SecretsError(f"SSM max_attempts: 1 to 10 expected, got {max_attempts}")
        if not (0.0 < connect_timeout_s <= 60.0 and 0.0 < read_timeout_s <= 300.0):
            raise SecretsError(
                f"SSM timeouts: connect in (0, 60] s and read in (0, 300] s expected, got "
                f"{connect_timeout_s} and {read_timeout_s}"
            )
        self.prefix = parameter_prefix(prefix)
        self.names = parameter_names(self.prefix)
        self._where = endpoint_url or f"SSM in {region or 'the default region'}"
        config = Config(
            retries={"mode": "standard", "max_attempts": max_attempts},
            connect_timeout=connect_timeout_s,
            read_timeout=read_timeout_s,
        )
        session = boto3.session.Session()
        self._ssm: Any = session.client(
            "ssm", endpoint_url=endpoint_url, region_name=region, config=config
        )

    def fetch(self) -> TowerSecrets:
        """The secrets SSM holds under the prefix (absent ones as None), decrypted."""
        try:
            answer = self._ssm.get_parameters(Names=list(self.names.values()), WithDecryption=True)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise SecretsError(
                f"SSM GetParameters under {self.prefix}: the parameters expected, "
                f"{self._where} refused: "
                f"{error.get('Code', '?')}: {error.get('Message', '')}"
            ) from exc
        except BotoCoreError as exc:
            raise SecretsError(
                f"SSM GetParameters: an answer from {self._where} expected, got none in time: {exc}"
            ) from exc
        by_name = {item["Name"]: item for item in answer.get("Parameters", [])}
        values: dict[SecretName, bytes | None] = {}
        for secret, parameter in self.names.items():
            item = by_name.get(parameter)
            values[secret] = None if item is None else _value(secret, parameter, item)
        return TowerSecrets.of(values)


def _value(secret: SecretName, parameter: str, item: dict[str, Any]) -> bytes:
    kind = item.get("Type")
    if secret is SecretName.TLS_KEY and kind != "SecureString":
        raise SecretsError(
            f"SSM parameter {parameter}: a SecureString expected (a private key is kept "
            f"encrypted), got a {kind}"
        )
    if kind not in ("String", "SecureString"):
        raise SecretsError(
            f"SSM parameter {parameter}: a String or SecureString expected, got a {kind}"
        )
    return str(item.get("Value", "")).encode("utf-8")
