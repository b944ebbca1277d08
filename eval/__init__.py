"""Everything that turns texts into numbers, tables and reports. May import summarize, never the reverse."""
