"""cardgen: case-study data and SVG templates in; cards, infographics and posts out."""

__version__ = "0.1.0"
