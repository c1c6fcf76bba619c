/*
 * empty_module.c — placeholder translation unit for a module with no sources yet.
 */
typedef int ls__empty_module_t;
