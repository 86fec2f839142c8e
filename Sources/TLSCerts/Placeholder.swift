// TLSCerts: see README.md
