"""Figures for the paper: the survey network, a cross-tab heatmap and agreement per code, drawn for print.

`output` holds what every figure shares (width, format, palette, reproducible files, the caption
file beside each figure); `network`, `heatmap` and `agreement` draw one figure each from the same
domain functions the tables use. matplotlib (and networkx's drawing) load inside the functions
only, so nothing else in coder slows down. docs/figures.md documents the figures and options.
"""
