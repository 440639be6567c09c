"""One module per screen of the console; each view reads input, calls one read function and
renders."""
