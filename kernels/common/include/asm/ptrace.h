/* asm/ptrace.h - the saved register frame (opaque to drivers). */
#ifndef _ASM_PTRACE_H
#define _ASM_PTRACE_H

struct pt_regs;

#endif
