#!/usr/bin/env python3
"""Packs one release archive reproducibly and writes its SHA-256 beside it.

    archive.py DIR OUT.tar.gz|OUT.zip

DIR becomes the archive's one top-level directory. Entries are sorted, owned by 0:0, dated
SOURCE_DATE_EPOCH (default: 0), with 0755 for executables and 0644 for the rest, so the same
inputs give the same bytes on Linux, macOS and Windows runners (tar and zip differ across those).
OUT.sha256 gets `<hex>  <name>`, the format `sha256sum -c` reads. Used by scripts/package.sh.
"""

import gzip
import hashlib
import io
import os
import sys
import tarfile
import time
import zipfile


def entries(root):
    base = os.path.basename(os.path.normpath(root))
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            yield path, base + "/" + os.path.relpath(path, root).replace(os.sep, "/")


def mode(path):
    executable = os.access(path, os.X_OK) or path.endswith(".exe")
    return 0o755 if executable else 0o644


def pack_tar_gz(root, out, mtime):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, name in entries(root):
            info = tarfile.TarInfo(name)
            info.size = os.path.getsize(path)
            info.mode = mode(path)
            info.mtime = mtime
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with open(path, "rb") as f:
                tar.addfile(info, f)
    with open(out, "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=mtime) as gz:
        gz.write(raw.getvalue())


def pack_zip(root, out, mtime):
    date = time.gmtime(max(mtime, 315532800))[:6]  # zip cannot date before 1980
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for path, name in entries(root):
            info = zipfile.ZipInfo(name, date_time=date)
            info.external_attr = (0o100000 | mode(path)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as f:
                z.writestr(info, f.read())


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    root, out = sys.argv[1], sys.argv[2]
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    if out.endswith(".tar.gz"):
        pack_tar_gz(root, out, mtime)
    elif out.endswith(".zip"):
        pack_zip(root, out, mtime)
    else:
        sys.exit(f"archive.py: {out}: the name must end in .tar.gz or .zip")
    with open(out, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    with open(out + ".sha256", "w", newline="\n") as f:
        f.write(f"{digest}  {os.path.basename(out)}\n")
    print(f"{digest}  {out}")


if __name__ == "__main__":
    main()
