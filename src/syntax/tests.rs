//! Grammar rules, tested one by one with `parses_to!`-style checks on the
//! spans pest produces.
