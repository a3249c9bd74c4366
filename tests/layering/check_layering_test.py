"""scripts/check_layering.py finds what breaks the layering, so its passing means something:
an include of a later part, of a part from a shared header, and a file no part owns are each
reported with the file and line; nested parts and umbrella headers are placed right; and on a
copy of the real tree, a violation planted across every boundary of the real order is found.

    check_layering_test.py --script scripts/check_layering.py --root DIR --parts ... --shared ...
(ctest passes the same lists as to the check itself, from src/CMakeLists.txt.)
"""
import argparse
import contextlib
import importlib.util
import io
import os
import shutil
import sys
import tempfile
import unittest

ARGS = None


def load_script(path):
    spec = importlib.util.spec_from_file_location("check_layering", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TreeTestCase(unittest.TestCase):
    def setUp(self):
        self.script = load_script(ARGS.script)
        self.root = tempfile.mkdtemp(prefix="upgate-layering-")
        self.addCleanup(shutil.rmtree, self.root)

    def write(self, relative, *includes):
        path = os.path.join(self.root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("// test file\n" + "".join(f"{line}\n" for line in includes))

    def main(self, *argv):
        """The script as a program: its exit status (what it prints is not needed here)."""
        with contextlib.redirect_stdout(io.StringIO()):
            return self.script.main(list(argv))

    def violations(self, parts, shared=()):
        violations, _, _ = self.script.Layering(self.root, parts, shared).check()
        return violations


class SmallTrees(TreeTestCase):
    PARTS = ["low", "mid", "high"]

    def setUp(self):
        super().setUp()
        self.write("include/upgate/shared.hpp", "#include <string>")
        self.write("include/upgate/low/a.hpp", '#include "upgate/shared.hpp"')
        self.write("include/upgate/mid/b.hpp", '#include "upgate/low/a.hpp"')
        self.write("include/upgate/high/c.hpp", "#include <upgate/mid/b.hpp>")
        self.write("src/low/a.cpp", '#include "upgate/low/a.hpp"', '#include "private.hpp"')
        self.write("src/low/private.hpp", "#include <vector>")
        self.write("src/high/c.cpp", '#include "upgate/high/c.hpp"', '#include "upgate/low/a.hpp"')

    def assertReports(self, *expected, parts=None):
        """Exactly these violations, with this tree's order and shared header."""
        self.assertEqual(self.violations(parts or self.PARTS, ["shared.hpp"]), list(expected))

    def test_downward_includes_hold(self):
        self.assertEqual(self.violations(self.PARTS, ["shared.hpp"]), [])
        self.assertEqual(self.main("--root", self.root, "--parts", *self.PARTS,
                                   "--shared", "shared.hpp"), 0)

    def test_an_include_of_a_later_part_is_reported_with_its_line(self):
        self.write("src/low/up.cpp", "#include <string>", '#include "upgate/mid/b.hpp"')
        self.assertReports(
            "src/low/up.cpp:3: low includes upgate/mid/b.hpp of mid: "
            "low may use only the parts before it")
        self.assertEqual(self.main("--root", self.root, "--parts", *self.PARTS,
                                   "--shared", "shared.hpp"), 1)

    def test_the_order_is_the_one_given(self):
        self.assertEqual(len(self.violations(["high", "mid", "low"], ["shared.hpp"])), 3)

    def test_a_shared_header_may_include_no_part(self):
        self.write("include/upgate/shared.hpp", '#include "upgate/low/a.hpp"')
        self.assertReports(
            "include/upgate/shared.hpp:2: shared headers includes upgate/low/a.hpp of low: "
            "a shared header may include no part")

    def test_a_header_not_named_shared_belongs_to_no_part(self):
        found = self.violations(self.PARTS, [])
        self.assertIn("include/upgate/shared.hpp: belongs to no part; give its folder a place "
                      "in UPGATE_PARTS (src/CMakeLists.txt)", found)
        self.assertIn("include/upgate/low/a.hpp:2: includes upgate/shared.hpp, which belongs "
                      "to no part", found)

    def test_a_folder_outside_the_order_is_reported(self):
        self.write("src/newpart/x.cpp", "#include <string>")
        self.assertReports(
            "src/newpart/x.cpp: belongs to no part; give its folder a place in UPGATE_PARTS "
            "(src/CMakeLists.txt)")

    def test_a_nested_part_is_its_own_layer(self):
        self.write("src/mid/front/f.cpp", '#include "upgate/mid/b.hpp"')
        self.write("src/mid/engine.cpp", '#include "front/f.hpp"')
        self.write("src/mid/front/f.hpp", "#include <string>")
        self.assertReports(
            "src/mid/engine.cpp:2: mid includes front/f.hpp of mid/front: "
            "mid may use only the parts before it",
            parts=["low", "mid", "mid/front", "high"])

    def test_an_umbrella_header_belongs_to_its_part(self):
        self.write("include/upgate/mid.hpp", '#include "upgate/mid/b.hpp"')
        self.write("src/low/uses_umbrella.cpp", '#include "upgate/mid.hpp"')
        self.assertReports(
            "src/low/uses_umbrella.cpp:2: low includes upgate/mid.hpp of mid: "
            "low may use only the parts before it")

    def test_a_tree_with_no_includes_checks_nothing_and_says_so(self):
        shutil.rmtree(os.path.join(self.root, "src"))
        shutil.rmtree(os.path.join(self.root, "include"))
        self.assertEqual(self.main("--root", self.root, "--parts", *self.PARTS), 2)


class TheRealTree(TreeTestCase):
    def setUp(self):
        super().setUp()
        for top in ("src", "include"):
            shutil.copytree(os.path.join(ARGS.root, top), os.path.join(self.root, top),
                            ignore=shutil.ignore_patterns("*.txt", "*.cmake", "*.js", "*.html"))

    def header_of(self, part):
        """A header of `part` (public, else private), as another part would include it."""
        for folder, name in ((os.path.join("include", "upgate", part), f"upgate/{part}/"),
                             (os.path.join("src", part), f"{part}/")):
            if os.path.isdir(os.path.join(self.root, folder)):
                headers = sorted(n for n in os.listdir(os.path.join(self.root, folder))
                                 if n.endswith(".hpp"))
                if headers:
                    return name + headers[0]
        return None

    def test_holds_as_it_is(self):
        self.assertEqual(self.violations(ARGS.parts, ARGS.shared), [])

    def test_an_upward_include_across_every_boundary_is_found(self):
        parts = [p for p in ARGS.parts if self.header_of(p)]
        self.assertGreaterEqual(len(parts), 2, "the real order names too few parts to test")
        for lower, upper in zip(parts, parts[1:]):
            self.write(f"src/{lower}/planted_violation.cpp", f'#include "{self.header_of(upper)}"')
        found = self.violations(ARGS.parts, ARGS.shared)
        self.assertEqual(len(found), len(parts) - 1, "\n".join(found))
        for lower, upper in zip(parts, parts[1:]):
            self.assertIn(f"src/{lower}/planted_violation.cpp:2: {lower} includes "
                          f"{self.header_of(upper)} of {upper}", "\n".join(found))

    def test_every_shared_header_exists(self):
        for name in ARGS.shared:
            self.assertTrue(os.path.isfile(os.path.join(self.root, "include", "upgate", name)),
                            name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--script", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--parts", nargs="+", required=True)
    parser.add_argument("--shared", nargs="*", default=[])
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
