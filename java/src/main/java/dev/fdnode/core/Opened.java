package dev.fdnode.core;

public record Opened(Handle handle, FdInner inner) {}
