"""The machine the tower runs on: its files, written so that none is ever seen half done."""
