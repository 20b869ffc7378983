"""Generated demo and benchmark books: Vietnamese prose typeset as PDF and EPUB."""
