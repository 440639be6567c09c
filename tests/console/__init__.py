"""The seller's console, through the test client (a package: its conftest is its own)."""
