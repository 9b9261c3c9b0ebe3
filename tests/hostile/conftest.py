"""The hostile tests boot the same machines as the boot tests (the test
image: its VMM has the `hostile` commands)."""
import importlib.util
import os

_spec = importlib.util.spec_from_file_location(
    "boot_fixtures", os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                  "boot", "conftest.py"))
boot_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(boot_fixtures)

machine = boot_fixtures.machine
