"""Text at the character and word level: normal forms, the analyzer, sentence boundaries."""
