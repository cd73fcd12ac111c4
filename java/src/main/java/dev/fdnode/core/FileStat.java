package dev.fdnode.core;

public record FileStat(long size, FileType type) {}
