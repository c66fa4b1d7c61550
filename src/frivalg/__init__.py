"""frivalg: welfare services run as a managed market."""
