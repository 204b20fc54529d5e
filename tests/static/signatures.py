#!/usr/bin/env python3
"""signatures.py: lightcore's headers against Debian's libxenlight 4.17 headers.

Usage: signatures.py OUR_INCLUDE_DIR DEBIAN_INCLUDE_DIR NAMES_FILE

NAMES_FILE lists the public symbols to check, one a line (Debian's
library's libxl_* exports). For each of them, Debian's declaration (taken
from Debian's preprocessed headers) is appended to a file that includes
lightcore's headers, which is compiled with -Wredundant-decls:
  - a conflicting declaration is a compile error: the signatures differ;
  - a declaration that draws no "redundant redeclaration" warning was not
    declared by lightcore's headers.
Also checks that every function Debian marks LIBXL_EXTERNAL_CALLERS_ONLY
is marked in lightcore's headers. Prints what is wrong; exit status 1 if
anything is."""
import os
import re
import subprocess
import sys

MARK = "__LIGHTCORE_ECO_MARK__"
ENV = dict(os.environ, LC_ALL="C")  # plain quotes in the messages
HEADERS = "#include <libxl.h>\n#include <libxl_utils.h>\n#include <libxl_json.h>\n"


def preprocess(include_dir):
    return subprocess.run(
        ["cc", "-E", "-P", "-D_GNU_SOURCE",
         "-DLIBXL_EXTERNAL_CALLERS_ONLY=" + MARK, "-I", include_dir,
         "-x", "c", "-"],
        input=HEADERS, check=True, capture_output=True, text=True,
        env=ENV).stdout


def declarations(text):
    """Top-level declarations, as text; function bodies end one too."""
    depth = 0
    cur = []
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                cur.append(" {} ")
                decl = "".join(cur).strip()
                if re.search(r"\)\s*\{\}$", decl) and not decl.startswith("typedef"):
                    yield decl
                    cur = []
            continue
        elif depth == 0 and ch == ";":
            yield "".join(cur)
            cur = []
            continue
        if depth == 0:
            cur.append(ch)


def by_name(text):
    """name -> (declaration text, marked) for libxl_ functions and data."""
    found = {}
    for decl in declarations(text):
        decl = " ".join(decl.split())
        if decl.startswith("typedef") or "{}" in decl:
            continue
        m = re.search(r"\b(libxl_\w+)\s*(\(|\[)", decl)
        if not m:
            continue
        found[m.group(1)] = (decl.replace(MARK, "").strip(), MARK in decl)
    return found


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    ours_dir, debian_dir, names_file = argv[1:]
    names = [n for n in open(names_file).read().split() if n]
    debian = by_name(preprocess(debian_dir))
    ours = by_name(preprocess(ours_dir))
    problems = []

    missing_in_debian = [n for n in names if n not in debian]
    checked = [n for n in names if n in debian]
    src = HEADERS + "".join(debian[n][0] + ";\n" for n in checked)
    r = subprocess.run(
        ["cc", "-std=gnu11", "-fsyntax-only", "-D_GNU_SOURCE",
         "-Wredundant-decls", "-I", ours_dir, "-x", "c", "-"],
        input=src, capture_output=True, text=True, env=ENV)
    errors = [l for l in r.stderr.splitlines() if " error: " in l]
    for line in errors[:40]:
        problems.append("signature differs: " + line.split(" error: ", 1)[1])
    if r.returncode != 0 and not errors:
        problems.append("compiling Debian's declarations failed:\n" + r.stderr[:2000])
    redundant = set(re.findall(r"redundant redeclaration of '(libxl_\w+)'", r.stderr))
    for n in checked:
        if n not in redundant and r.returncode == 0:
            problems.append("not declared by lightcore's headers: " + n)
    for n in checked:
        if debian[n][1] and not (n in ours and ours[n][1]):
            problems.append("not marked LIBXL_EXTERNAL_CALLERS_ONLY: " + n)

    for p in problems:
        print(p)
    print("signatures: %d of Debian's declarations checked (%d symbols Debian "
          "exports without declaring them)" % (len(checked), len(missing_in_debian)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
