/*
 * minikernel.S: the smallest kernel image Xen's domain builders accept,
 * for the simulated host (tests/sim/README.md, "Kernels"). It never runs:
 * the builders only read its ELF notes and copy its one loadable segment
 * into the new domain's memory, where tests look for it.
 *
 * One image serves both guest types: the notes a 64-bit PV kernel needs
 * (the generic loader, its entry point, hypercall page and where its
 * virtual addresses start) and the 32-bit physical entry point of a PVH
 * kernel. The segment is linked at virtual 0xffffffff80200000, physical
 * 0x200000 (minikernel.lds).
 */
#define XEN_ELFNOTE_ENTRY          1
#define XEN_ELFNOTE_HYPERCALL_PAGE 2
#define XEN_ELFNOTE_VIRT_BASE      3
#define XEN_ELFNOTE_PADDR_OFFSET   4
#define XEN_ELFNOTE_XEN_VERSION    5
#define XEN_ELFNOTE_GUEST_OS       6
#define XEN_ELFNOTE_LOADER         8
#define XEN_ELFNOTE_PHYS32_ENTRY   18

#define VIRT_BASE 0xffffffff80000000

/* A note: owner "Xen", the type, then the descriptor the caller writes. */
#define NOTE_BEGIN(type)                 \
    .balign 4;                           \
    .long 4f - 3f;                       \
    .long 6f - 5f;                       \
    .long type;                          \
3:  .asciz "Xen";                        \
4:  .balign 4;                           \
5:
#define NOTE_END                         \
6:  .balign 4

    .section .note.Xen, "a", @note
    NOTE_BEGIN(XEN_ELFNOTE_GUEST_OS)
    .asciz "linux"
    NOTE_END
    NOTE_BEGIN(XEN_ELFNOTE_XEN_VERSION)
    .asciz "xen-3.0"
    NOTE_END
    NOTE_BEGIN(XEN_ELFNOTE_LOADER)
    .asciz "generic"
    NOTE_END
    NOTE_BEGIN(XEN_ELFNOTE_VIRT_BASE)
    .quad VIRT_BASE
    NOTE_END
    NOTE_BEGIN(XEN_ELFNOTE_PADDR_OFFSET)
    .quad 0
    NOTE_END
    NOTE_BEGIN(XEN_ELFNOTE_ENTRY)
    .quad pv_entry
    NOTE_END
    NOTE_BEGIN(XEN_ELFNOTE_HYPERCALL_PAGE)
    .quad hypercall_page
    NOTE_END
    NOTE_BEGIN(XEN_ELFNOTE_PHYS32_ENTRY)
    .long pvh_entry - VIRT_BASE
    NOTE_END

    .text
    .globl pv_entry
pv_entry:
    /* A recognisable marker, then a halt loop (never executed). */
    .ascii "XENSIM-MINIKERNEL"
    .balign 16
pvh_entry:
1:  hlt
    jmp 1b

    /* Xen writes its hypercall stubs here (XEN_DOMCTL_hypercall_init). */
    .balign 4096
hypercall_page:
    .fill 4096, 1, 0xcc
