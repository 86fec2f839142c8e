// ImageRepo: see README.md
