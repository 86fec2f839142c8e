// SkopeoBridge: see README.md
