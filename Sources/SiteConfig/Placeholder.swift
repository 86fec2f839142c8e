// SiteConfig: see README.md
