#!/usr/bin/python3
"""Checks that upgate's layering holds: a part includes only itself, the parts before it, and
the shared headers that every part may use.

    scripts/check_layering.py --root DIR --parts sigv4 s3 ... cli --shared expected.hpp ...

The parts, in order, and the shared headers come from src/CMakeLists.txt (UPGATE_PARTS,
UPGATE_SHARED_HEADERS), which passes them here through ctest (the test `layering`), so adding
a part is one edit there. A part `P` owns src/P/ and include/upgate/P/ (and the umbrella
header include/upgate/P.hpp); a part may be a nested folder ("store/front"), and a file belongs
to the longest part that contains it. A shared header is include/upgate/NAME and may include
no part at all.

Every #include of every C++ file under src/ and include/upgate/ is resolved as the compiler
would find it in this tree (the including file's folder, include/, src/ and each part's
folder); what does not resolve to a file of the tree (the standard library, Boost, ...) is
not a part and not checked. A file that no part and no shared name owns is an error too: a
new folder or top-level header must be given its place in the order before it is used.

Exit status 0 when the layering holds, 1 with one line per violation when it does not, 2 on
bad arguments or when nothing was checked (a check that sees no include proves nothing).
"""
import argparse
import os
import re
import sys

SOURCE_SUFFIXES = (".cpp", ".cc", ".hpp", ".h")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
SHARED = "shared headers"


class Layering:
    def __init__(self, root, parts, shared):
        self.root = os.path.abspath(root)
        self.parts = list(parts)
        self.rank = {part: index for index, part in enumerate(self.parts)}
        self.rank[SHARED] = -1
        self.shared = set(shared)
        self.search = [os.path.join(self.root, "include"), os.path.join(self.root, "src")] + [
            os.path.join(self.root, "src", part) for part in self.parts]

    def owner(self, path):
        """The part (or SHARED) that owns a file of the tree, or None."""
        relative = os.path.relpath(path, self.root).replace(os.sep, "/")
        for prefix in ("include/upgate/", "src/"):
            if relative.startswith(prefix):
                inside = relative[len(prefix):]
                break
        else:
            return None
        if prefix == "include/upgate/" and "/" not in inside:
            if inside in self.shared:
                return SHARED
            inside = os.path.splitext(inside)[0] + "/"  # include/upgate/sigv4.hpp: sigv4's
        matches = [part for part in self.parts if inside.startswith(part + "/")]
        return max(matches, key=len) if matches else None

    def resolve(self, including_file, quote, name):
        folders = ([os.path.dirname(including_file)] if quote == '"' else []) + self.search
        for folder in folders:
            candidate = os.path.normpath(os.path.join(folder, name))
            if candidate.startswith(self.root + os.sep) and os.path.isfile(candidate):
                return candidate
        return None

    def files(self):
        for top in (os.path.join(self.root, "src"), os.path.join(self.root, "include", "upgate")):
            for folder, subfolders, names in os.walk(top):
                subfolders.sort()
                for name in sorted(names):
                    if name.endswith(SOURCE_SUFFIXES):
                        yield os.path.join(folder, name)

    def check(self):
        """(violations, files checked, includes of the tree's own files checked)."""
        violations = []
        files = includes = 0
        for path in self.files():
            files += 1
            here = self.owner(path)
            where = os.path.relpath(path, self.root)
            if here is None:
                violations.append(f"{where}: belongs to no part; give its folder a place in "
                                  "UPGATE_PARTS (src/CMakeLists.txt)")
                continue
            with open(path, encoding="utf-8", errors="replace") as source:
                for number, line in enumerate(source, 1):
                    match = INCLUDE.match(line)
                    if not match:
                        continue
                    target = self.resolve(path, match.group(1), match.group(2))
                    if target is None:
                        continue
                    includes += 1
                    there = self.owner(target)
                    if there is None:
                        violations.append(f"{where}:{number}: includes {match.group(2)}, "
                                          "which belongs to no part")
                    elif there != here and self.rank[there] >= self.rank[here]:
                        reason = ("a shared header may include no part" if here == SHARED else
                                  f"{here} may use only the parts before it")
                        violations.append(f"{where}:{number}: {here} includes {match.group(2)} "
                                          f"of {there}: {reason}")
        return violations, files, includes


def main(argv):
    parser = argparse.ArgumentParser(prog="check_layering.py", description=__doc__.split("\n")[0])
    parser.add_argument("--root", required=True, help="the source tree")
    parser.add_argument("--parts", nargs="+", required=True, help="the parts, in layering order")
    parser.add_argument("--shared", nargs="*", default=[],
                        help="headers under include/upgate/ that every part may use")
    args = parser.parse_args(argv)
    violations, files, includes = Layering(args.root, args.parts, args.shared).check()
    for violation in violations:
        print(violation)
    if violations:
        print(f"layering broken: {len(violations)} violation(s) in {files} files "
              f"(order: {' -> '.join(args.parts)})")
        return 1
    if files == 0 or includes == 0:
        print(f"nothing checked under {args.root}: {files} files, {includes} includes")
        return 2
    print(f"layering holds: {includes} includes of the tree's own headers in {files} files "
          f"(order: {' -> '.join(args.parts)}; shared: {' '.join(sorted(args.shared))})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
