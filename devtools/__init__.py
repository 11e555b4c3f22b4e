"""Tools for developing the project (test-document generators); never imported at run time."""
