"""cardgen: case-study data and SVG templates in, tweet-sized PNG cards out."""

__version__ = "0.1.0"
