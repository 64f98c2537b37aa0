"""Sample data embedded with the package, so that `drone-ai demo` runs with no set-up.

See SOURCES.md beside this file for the origin and licence of each file.
"""
