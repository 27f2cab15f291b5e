"""Pure rules over frozen dataclasses, and the one tree of the errors they raise; no IO."""
