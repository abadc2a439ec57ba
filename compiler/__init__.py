"""indicator-compiler: one declarative spec of leading indicators, compiled into monitoring."""
