"""The usage-error contract every `upgate` command keeps, as one assertion for the command
tests: exit status 2, nothing on stdout, exactly one line on stderr that names what is wrong,
and no secret in it."""


class UsageErrorAssertions:
    """Mixin for a unittest.TestCase; `never_shown` lists the secrets the line must not show."""
    never_shown = ()

    def assertUsageError(self, result, fragment):
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertEqual(result.stdout, "")
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertIn(fragment, lines[0])
        for secret in self.never_shown:
            self.assertNotIn(secret, result.stderr)
