"""The soak tests boot the test image, as the hostile group (test_soak.py
makes its own machine)."""
