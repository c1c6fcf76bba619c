/*
 * main.c — the lakesink command line: dispatches sub-commands.
 */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        printf("usage: lakesink <command> [args]\n");
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("lakesink %s\n", LS_VERSION);
        return 0;
    }
    fprintf(stderr, "lakesink: unknown command '%s'\n", argv[1]);
    return 2;
}
