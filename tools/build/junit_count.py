#!/usr/bin/python3
"""Prints "NAME: N passed, M failed" from a pytest JUnit XML report.

Skipped tests are reported separately and never counted as passed; a
missing or unreadable report, or one with no test in it, counts as one
failure.
"""
import sys
import xml.etree.ElementTree as ET


def main():
    path, name = sys.argv[1], sys.argv[2]
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        print(f"{name}: no test report ({e})")
        print(f"{name}: 0 passed, 1 failed")
        return
    passed = failed = skipped = 0
    for case in root.iter("testcase"):
        kinds = {child.tag for child in case}
        if kinds & {"failure", "error"}:
            failed += 1
        elif "skipped" in kinds:
            skipped += 1
        else:
            passed += 1
    if passed + failed + skipped == 0:
        print(f"{name}: no test in the report {path}")
        failed = 1
    extra = f", {skipped} skipped" if skipped else ""
    print(f"{name}: {passed} passed, {failed} failed{extra}")


if __name__ == "__main__":
    main()
