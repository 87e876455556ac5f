"""The demo organisation: catalogues that overlap realistically, connected to the emulators."""
