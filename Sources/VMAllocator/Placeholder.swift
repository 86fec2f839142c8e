// VMAllocator: see README.md
