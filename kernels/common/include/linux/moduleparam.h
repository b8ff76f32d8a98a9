/* linux/moduleparam.h - module_param(). */
#ifndef _LINUX_MODULEPARAM_H
#define _LINUX_MODULEPARAM_H

#define module_param(name, type, perm) \
	static void *__param_##name __attribute__((used)) = &(name)

#endif
