"""Drawing helpers: the palettes and the type setting that cards and thumbnails are drawn
with."""
