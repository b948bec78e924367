"""The command-line convention of this project's CLIs: a user's mistake is one line on
stderr, `error: ...`, and exit status 2."""

import argparse


class Parser(argparse.ArgumentParser):
    def error(self, message):
        """One line, like every other bad-input error, instead of the whole usage text."""
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")
