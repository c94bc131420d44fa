"""The main job (``modelfolio report``): the analysis and its HTML page.

``analysis`` computes every figure of the report from outcomes, votes, a catalog and
traffic; ``page`` renders it as one self-contained HTML page (figures as inline SVG).
Reading the inputs and writing the page is :mod:`modelfolio.__main__`'s.
May import: every core folder (``_formats`` and below).
"""
