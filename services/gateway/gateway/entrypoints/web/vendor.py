"""`make vendor`: the board's front-end files, pinned, taken from the npm registry.

Each package is fetched with `npm pack` (the registry's ordinary client; Node is needed only
here, never to run or test the board), and only the files the board loads are kept, with the
package's licence, under `gateway/static/vendor/<package>/`. `manifest.json` records each
file's package, version and sha256; a test checks the files against it.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor"
MANIFEST = VENDOR / "manifest.json"

# package, version, files inside the tarball (the first is what the pages load)
PACKAGES: list[tuple[str, str, list[str]]] = [
    ("htmx.org", "2.0.11", ["dist/htmx.min.js", "LICENSE"]),
    ("htmx-ext-sse", "2.2.4", ["dist/sse.min.js", "LICENSE"]),
    ("sortablejs", "1.15.7", ["Sortable.min.js", "LICENSE"]),
    ("chart.js", "4.6.1", ["dist/chart.umd.min.js", "LICENSE.md"]),
    # /api/docs: the API's pages, served from here (no CDN)
    ("swagger-ui-dist", "5.36.0", ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"]),
]


def sha256(path: Path) -> str:
    """The file's sha256, hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vendor(target: Path = VENDOR) -> dict[str, Any]:
    """Fetch every package and write its files and the manifest; returns the manifest."""
    files: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, version, wanted in PACKAGES:
            out = subprocess.run(
                ["npm", "pack", f"{name}@{version}", "--silent", "--pack-destination", tmp],
                check=True,
                capture_output=True,
                text=True,
            )
            tarball = Path(tmp) / out.stdout.strip().splitlines()[-1]
            folder = target / name
            folder.mkdir(parents=True, exist_ok=True)
            with tarfile.open(tarball) as tar:
                for inner in wanted:
                    member = tar.extractfile(f"package/{inner}")
                    assert member is not None, f"{name}@{version} has no {inner}"
                    dest = folder / Path(inner).name
                    dest.write_bytes(member.read())
                    key = dest.relative_to(target).as_posix()
                    files[key] = {"package": name, "version": version, "sha256": sha256(dest)}
    manifest: dict[str, Any] = {"source": "npm registry (npm pack)", "files": files}
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


if __name__ == "__main__":
    done = vendor(Path(sys.argv[1]) if len(sys.argv) > 1 else VENDOR)
    for path, entry in done["files"].items():
        print(f"{entry['package']}@{entry['version']}  {path}  {entry['sha256'][:16]}…")
