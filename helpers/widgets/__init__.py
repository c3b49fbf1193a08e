"""All of the course's ipywidgets code, one module per lesson topic: thin layers over pure helpers."""
