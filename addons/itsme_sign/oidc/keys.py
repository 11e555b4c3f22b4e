"""Our own keys: one set to sign client assertions, one to receive encrypted tokens.

Each set is a private JWKS file (mode 0600) created on first use. The newest
key signs; every key still in its overlap decrypts and is published, so a
provider that cached our JWKS before a rotation can still encrypt to the old
key, and assertions signed with the new key verify as soon as it is published.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from joserfc.jwk import KeySet, RSAKey

DAY = 86400


@dataclass(frozen=True)
class KeyPolicy:
    """How long the newest key is used before a new one is made, and how long
    a replaced key is still accepted and published."""

    rotate_after: int = 90 * DAY
    overlap: int = 7 * DAY


class KeyFile:
    """One private JWKS on disk: ``use`` is ``"sig"`` (RS256) or ``"enc"`` (RSA-OAEP)."""

    ALGS = {"sig": "RS256", "enc": "RSA-OAEP"}

    def __init__(self, path: str | os.PathLike, use: str, policy: KeyPolicy | None = None):
        if use not in self.ALGS:
            raise ValueError(f"key use must be 'sig' or 'enc', not {use!r}")
        self.path = Path(path)
        self.use = use
        self.policy = policy or KeyPolicy()
        self._lock = threading.Lock()
        self._cached: tuple[float, list[dict]] | None = None
        self._imported: dict[str, RSAKey] = {}

    # -- reading -------------------------------------------------------------

    def entries(self, now: float | None = None) -> list[dict]:
        """The live keys, newest first, as ``{"created": ts, "jwk": {...}}``;
        makes the first key, or the next one when the newest is due."""
        now = time.time() if now is None else now
        entries = self._read()
        if not entries or now - entries[0]["created"] >= self.policy.rotate_after:
            entries = self._rotate(now)
        return self._live(entries, now)

    def signing_key(self, now: float | None = None) -> RSAKey:
        return self._key(self.entries(now)[0])

    def private_keys(self, now: float | None = None) -> KeySet:
        return KeySet([self._key(e) for e in self.entries(now)])

    def public_jwks(self, now: float | None = None) -> dict:
        keys = []
        for entry in self.entries(now):
            public = self._key(entry).as_dict(private=False)
            keys.append({**public, "use": self.use, "alg": self.ALGS[self.use]})
        return {"keys": keys}

    def _key(self, entry: dict) -> RSAKey:
        # Importing a private RSA key checks it, which costs milliseconds: once per key.
        kid = entry["jwk"]["kid"]
        key = self._imported.get(kid)
        if key is None:
            key = self._imported[kid] = RSAKey.import_key(entry["jwk"])
        return key

    def rotate(self, now: float | None = None) -> str:
        """Make a new key at once (an admin's rotation); returns its kid."""
        now = time.time() if now is None else now
        return self._rotate(now, force=True)[0]["jwk"]["kid"]

    # -- the file --------------------------------------------------------------

    def _live(self, entries: list[dict], now: float) -> list[dict]:
        # A key stays live while the key that replaced it is younger than the overlap.
        live = [entries[0]]
        for newer, older in zip(entries, entries[1:], strict=False):
            if now - newer["created"] >= self.policy.overlap:
                break
            live.append(older)
        return live

    def _read(self) -> list[dict]:
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return []
        with self._lock:
            if self._cached and self._cached[0] == mtime:
                return self._cached[1]
            entries = json.loads(self.path.read_text())["keys"]
            entries.sort(key=lambda e: e["created"], reverse=True)
            self._cached = (mtime, entries)
            return entries

    def _rotate(self, now: float, force: bool = False) -> list[dict]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with os.fdopen(os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600), "r+") as lock:
            # Several processes start at once: one makes the key, the others read it.
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._cached = None
            entries = self._read()
            due = not entries or now - entries[0]["created"] >= self.policy.rotate_after
            if force or due:
                key = RSAKey.generate_key(2048, private=True, auto_kid=True)
                jwk = {**key.as_dict(private=True), "use": self.use, "alg": self.ALGS[self.use]}
                kept = self._live(entries, now) if entries else []
                entries = [{"created": now, "jwk": jwk}, *kept]
                self._write(entries)
            return entries

    def _write(self, entries: list[dict]) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"keys": entries}, fh)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)
        self._cached = None


class ClientKeys:
    """Both our key sets, and the JWKS we publish."""

    def __init__(self, signing: KeyFile, encryption: KeyFile):
        self.signing = signing
        self.encryption = encryption

    @classmethod
    def at(cls, signing_path, encryption_path, policy: KeyPolicy | None = None) -> ClientKeys:
        return cls(KeyFile(signing_path, "sig", policy), KeyFile(encryption_path, "enc", policy))

    def public_jwks(self) -> dict:
        return {"keys": self.signing.public_jwks()["keys"] + self.encryption.public_jwks()["keys"]}
