"""The opencart emulator: a stateful fake of its API for the demo and the tests."""
