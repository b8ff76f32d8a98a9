/* linux/module.h - module metadata, parameters and exported symbols. */
#ifndef _LINUX_MODULE_H
#define _LINUX_MODULE_H

#include <linux/init.h>
#include <linux/moduleparam.h>

struct module;
extern struct module __this_module;
#define THIS_MODULE (&__this_module)

#define __MODULE_INFO(tag, info) \
	static const char __module_##tag[] __attribute__((used)) = #tag "=" info
#define MODULE_LICENSE(_license)	__MODULE_INFO(license, _license)
#define MODULE_AUTHOR(_author)		__MODULE_INFO(author, _author)
#define MODULE_DESCRIPTION(_desc)	__MODULE_INFO(description, _desc)

#define MODULE_DEVICE_TABLE(type, name) \
	static const void *__mod_##type##_device_table __attribute__((used)) = &(name)

#define EXPORT_SYMBOL(sym)	extern typeof(sym) sym
#define EXPORT_SYMBOL_GPL(sym)	extern typeof(sym) sym

#endif
