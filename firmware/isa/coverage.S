@ ARMv4T instruction-set coverage image for the disassembler tests (and for anyone who
@ needs one instance of every ARM7TDMI instruction class and addressing form).
@ It is never executed: control flow is nonsense, only the encodings matter.
@ Build with build.sh; the result, isa-coverage.elf, is committed.

	.syntax unified
	.arch	armv4t
	.text
	.global	_start

@ ------------------------------------------------------------------ ARM state
	.arm
_start:
arm_data_processing:
	@ Every opcode, with and without S, with immediate, immediate-shift and register-shift
	@ operands, including the shift-by-32 and RRX encodings.
	.irp	op, and, eor, sub, rsb, add, adc, sbc, rsc, orr, bic
	\op	r0, r1, #1
	\op\()s	r2, r3, #0xff000000
	\op	r4, r5, #0x3fc
	\op	r6, r7, r8
	\op\()s	r9, r10, r11, lsl #1
	\op	r12, sp, lr, lsl #31
	\op	r0, pc, r1, lsr #1
	\op	r2, r3, r4, lsr #32
	\op	r5, r6, r7, asr #7
	\op\()s	r8, r9, r10, asr #32
	\op	r11, r12, sp, ror #16
	\op	lr, r0, r1, rrx
	\op	r1, r2, r3, lsl r4
	\op\()s	r5, r6, r7, lsr r8
	\op	r9, r10, r11, asr r12
	\op	r0, r1, r2, ror r3
	.endr
	.irp	op, tst, teq, cmp, cmn
	\op	r0, #1
	\op	r1, #0x80000000
	\op	r2, r3
	\op	r4, r5, lsl #2
	\op	r6, r7, lsr #32
	\op	r8, r9, asr #1
	\op	r10, r11, ror #3
	\op	r12, sp, rrx
	\op	lr, r0, lsl r1
	\op	r11, r2, ror r3
	.endr
	.irp	op, mov, mvn
	\op	r0, #0
	\op\()s	r1, #255
	\op	r2, #0x0ff00000
	\op	r3, #-1 & 0xff
	\op	r4, r5
	\op\()s	r6, r7
	\op	r8, r9, lsl #4
	\op	r10, r11, lsr #32
	\op\()s	r12, sp, asr #32
	\op	lr, r0, ror #8
	\op	r1, r2, rrx
	\op	r3, r4, lsl r5
	\op\()s	r6, r7, asr r8
	.endr
	mov	pc, lr
	movs	pc, lr
	mov	r0, r0			@ objdump: nop
	movne	r0, r0
	add	r0, pc, #8		@ what adr assembles to
	sub	r1, pc, #0x100
	adds	pc, r0, #4
	.inst	0xe27fff01		@ rsbs pc, pc, #1, 30: non-canonical rotation
	.inst	0xe330f001		@ teqp r0, #1 (ARMv2 style, Rd = 15)
	.inst	0xe1100001		@ tst r0, r1 without S: the PSR space, printed as tst

	@ All condition codes.
	.irp	cond, eq, ne, cs, cc, mi, pl, vs, vc, hi, ls, ge, lt, gt, le, al
	add\cond	r0, r1, r2
	movs\cond	r3, r4, lsl #5
	ldr\cond	r5, [r6, #4]
	b\cond		arm_data_processing
	.endr

arm_psr:
	mrs	r0, cpsr
	mrs	lr, spsr
	.irp	psr, cpsr, spsr
	.irp	fields, c, x, s, f, fc, fs, fx, sx, sc, xc, fsx, fsc, fxc, sxc, fsxc
	msr	\psr\()_\fields, r1
	.endr
	msr	\psr\()_f, #0xf0000000
	msr	\psr\()_c, #0x1f
	msr	\psr\()_fc, #0xd3
	msr	\psr\()_fsxc, #0x10
	.endr
	msrne	cpsr_fc, r2

arm_multiply:
	mul	r0, r1, r2
	muls	r3, r4, r5
	mla	r6, r7, r8, r9
	mlas	r10, r11, r12, lr
	mulne	r0, r1, r0
	umull	r0, r1, r2, r3
	umulls	r4, r5, r6, r7
	umlal	r8, r9, r10, r11
	umlals	r12, lr, r0, r1
	smull	r0, r1, r2, r3
	smulls	r4, r5, r6, r7
	smlal	r8, r9, r10, r11
	smlalseq r12, lr, r0, r1

arm_single_transfer:
	.irp	op, ldr, str, ldrb, strb
	\op	r0, [r1]
	\op	r2, [r3, #4]
	\op	r4, [r5, #-4]
	\op	r6, [r7, #4095]
	\op	r8, [r9, #-4095]!
	\op	r10, [r11, #12]!
	\op	r12, [sp], #4
	\op	lr, [r0], #-8
	\op	r1, [r2, r3]
	\op	r4, [r5, -r6]
	\op	r7, [r8, r9, lsl #2]
	\op	r10, [r11, -r12, lsr #32]!
	\op	r0, [r1, r2, asr #3]!
	\op	r3, [r4, r5, ror #7]
	\op	r6, [r7, r8, rrx]
	\op	r9, [r10], r11
	\op	r12, [sp], -r0, lsl #4
	\op	r1, [r2], r3, asr #32
	.endr
	.inst	0xe5110000		@ ldr r0, [r1, #-0]
	.inst	0xe4910000		@ ldr r0, [r1], #0
	.inst	0xe5b10000		@ ldr r0, [r1, #0]!
	.irp	op, ldrt, strt, ldrbt, strbt
	\op	r0, [r1]
	\op	r2, [r3], #4
	\op	r4, [r5], #-4095
	\op	r6, [r7], r8
	\op	r9, [r10], -r11, lsl #3
	.endr
	ldr	r0, [pc, #8]
	ldr	r1, [pc, #-8]
	ldrb	r2, [pc, #3]
	str	r3, [pc, #16]
	ldr	r4, arm_literal
	ldr	r5, =0x12345678		@ literal pool entry
	ldr	pc, [sp], #4		@ objdump: pop {pc}
	str	lr, [sp, #-4]!		@ objdump: push {lr}
	ldreq	r0, [sp], #4
	strne	r1, [sp, #-4]!
	b	1f
arm_literal:
	.word	0xdeadbeef
	.ltorg
1:

arm_halfword_transfer:
	.irp	op, ldrh, strh, ldrsb, ldrsh
	\op	r0, [r1]
	\op	r2, [r3, #2]
	\op	r4, [r5, #-6]
	\op	r6, [r7, #255]!
	\op	r8, [r9, #-254]!
	\op	r10, [r11], #8
	\op	r12, [sp], #-8
	\op	lr, [r0, r1]
	\op	r2, [r3, -r4]
	\op	r5, [r6, r7]!
	\op	r8, [r9, -r10]!
	\op	r11, [r12], r0
	\op	r1, [r2], -r3
	.endr
	ldrh	r0, [pc, #4]
	ldrsh	r1, [pc, #-4]
	.inst	0xe1ff00b4		@ ldrh r0, [pc, #4]! (objdump drops the !)
	ldrhne	r0, [r1]
	strhcs	r0, [r1, #2]

arm_block_transfer:
	.irp	op, ldmia, ldmib, ldmda, ldmdb, stmia, stmib, stmda, stmdb
	\op	r0, {r1}
	\op	r2, {r0, r1, r3-r7}
	\op	r8!, {r0, r9, pc}
	\op	sp!, {r4-r11, lr}
	.endr
	ldmia	r0, {r1, r2, pc}^
	ldmib	r0!, {r1, pc}^
	ldmda	r0, {r1-r3}^
	ldmdb	r0, {r0-r15}^
	stmia	r0, {r1-r4}^
	stmib	r0, {sp, lr}^
	stmda	r0, {r13-r14}^
	stmdb	r0, {r0-r15}^
	push	{r4, lr}
	pop	{r4, pc}
	push	{r0-r12, lr}
	pop	{r0-r12, pc}
	stmdb	sp!, {r4}		@ objdump: stmfd sp!, {r4}
	ldmia	sp!, {r4}		@ objdump: ldmfd sp!, {r4}
	ldmfd	sp!, {pc}
	ldmfa	r0!, {r1}
	ldmea	r0!, {r1}
	stmfa	r0!, {r1}
	stmed	r0!, {r1}
	pushne	{r0, r1}
	popeq	{r0, r1}
	.inst	0xe8000000		@ stmda r0, {} (empty list)

arm_swap:
	swp	r0, r1, [r2]
	swpb	r3, r4, [r5]
	swpne	r6, r7, [r8]
	swpbeq	r9, r10, [r11]

arm_branch:
	b	arm_branch
	bl	arm_branch
	bne	thumb_code
	blgt	_start
	b	.+8
	.inst	0xea7fffff		@ b .+0x2000004: the farthest forward
	.inst	0xea800000		@ b .-0x1fffff8: the farthest back
	bx	lr
	bx	r0
	bxeq	r12
	.inst	0xe12fff1f		@ bx pc

arm_swi:
	swi	0
	swi	0x123456
	swine	0xffffff

arm_coprocessor:
	@ Coprocessors 3, 7, 8, 12-15: objdump decodes 0-2, 4-6, 10-11 as FPA, Maverick,
	@ VFP or iWMMXt, and rejects 9 and LDC/STC on 15.
	cdp	p3, 0, c0, c1, c2, 0
	cdp	p7, 15, c15, c14, c13, 7
	cdpne	p14, 3, c4, c5, c6, 2
	cdp	p15, 1, c8, c9, c10, 4
	.irp	op, ldc, stc, ldcl, stcl
	\op	p3, c4, [r5]
	\op	p7, c0, [r1, #16]
	\op	p8, c2, [r3, #-1020]
	\op	p12, c5, [r6, #8]!
	\op	p13, c7, [r8, #-4]!
	\op	p14, c9, [r10], #12
	\op	p14, c11, [r12], #-1020
	\op	p3, c13, [sp], {77}
	\op	p7, c1, [pc, #-8]
	.endr
	ldcne	p3, c1, [r2]
	stcleq	p7, c1, [r2, #4]
	.inst	0xec150300		@ ldc p3, c0, [r5], {-0}: unindexed with U clear
	.inst	0xec150307		@ ldc p3, c0, [r5], {7}: U clear, no sign shown
	.inst	0xedb30300		@ ldc p3, c0, [r3, #0]! (printed [r3])
	mcr	p15, 0, r0, c1, c0, 0
	mcr	p14, 7, lr, c15, c15, 7
	mcrne	p3, 2, r5, c6, c7, 1
	mrc	p15, 0, r0, c0, c0, 0
	mrc	p14, 1, pc, c2, c3, 7	@ objdump: APSR_nzcv
	mrc	p12, 4, r9, c10, c11, 3
	mrcgt	p13, 5, sp, c0, c1, 2

arm_undefined:
	.inst	0xe7f000f0		@ udf #0
	.inst	0xe7f123f4		@ udf #4660
	.inst	0xe6000010		@ media space: undefined on ARMv4T
	.inst	0x07f000f0		@ udf encoding with a condition: undefined
	.inst	0xe1a10000		@ mov with Rn != 0: objdump rejects it
	.inst	0xe1200000		@ teq without S

@ ------------------------------------------------------------------ Thumb state
	.thumb
	.thumb_func
thumb_code:
thumb_fmt1_shift:
	lsls	r0, r1, #0		@ objdump: movs r0, r1
	lsls	r2, r3, #1
	lsls	r4, r5, #31
	lsrs	r6, r7, #1
	lsrs	r0, r1, #32
	asrs	r2, r3, #5
	asrs	r4, r5, #32
thumb_fmt2_add_sub:
	adds	r0, r1, r2
	subs	r3, r4, r5
	adds	r6, r7, #0
	adds	r0, r1, #7
	subs	r2, r3, #1
	subs	r4, r5, #0
thumb_fmt3_immediate:
	movs	r0, #0
	movs	r7, #255
	cmp	r1, #128
	adds	r2, #1
	subs	r3, #255
thumb_fmt4_alu:
	ands	r0, r1
	eors	r2, r3
	lsls	r4, r5
	lsrs	r6, r7
	asrs	r0, r1
	adcs	r2, r3
	sbcs	r4, r5
	rors	r6, r7
	tst	r0, r1
	negs	r2, r3
	cmp	r4, r5
	cmn	r6, r7
	orrs	r0, r1
	muls	r2, r3, r2
	bics	r4, r5
	mvns	r6, r7
thumb_fmt5_hi_register:
	add	r0, r8
	add	r8, r1
	add	r9, r10
	add	sp, r2
	add	r3, pc
	cmp	r0, r9
	cmp	r10, r1
	cmp	r11, r12
	mov	r0, r8
	mov	r8, r0
	mov	r12, sp
	mov	pc, lr
	nop				@ mov r8, r8
	bx	r0
	bx	r7
	bx	r8
	bx	lr
	bx	pc
	.inst.n	0x4400			@ add r0, r0: both low registers
	.inst.n	0x4501			@ cmp r1, r0
	.inst.n	0x4608			@ mov r0, r1
	.inst.n	0x4701			@ bx r0 with SBZ bit set
thumb_fmt6_pc_relative:
	ldr	r0, [pc, #0]
	ldr	r7, [pc, #1020]
	ldr	r1, thumb_literal
	ldr	r2, =0x87654321
thumb_fmt7_8_register_offset:
	str	r0, [r1, r2]
	strb	r3, [r4, r5]
	ldr	r6, [r7, r0]
	ldrb	r1, [r2, r3]
	strh	r4, [r5, r6]
	ldrsb	r7, [r0, r1]
	ldrh	r2, [r3, r4]
	ldrsh	r5, [r6, r7]
thumb_fmt9_immediate_offset:
	str	r0, [r1]
	str	r2, [r3, #124]
	ldr	r4, [r5, #4]
	strb	r6, [r7, #31]
	ldrb	r0, [r1, #1]
	ldrb	r2, [r3]
thumb_fmt10_halfword:
	strh	r0, [r1]
	strh	r2, [r3, #62]
	ldrh	r4, [r5, #2]
thumb_fmt11_sp_relative:
	str	r0, [sp]
	str	r1, [sp, #1020]
	ldr	r2, [sp, #4]
thumb_fmt12_load_address:
	add	r0, pc, #0
	add	r1, pc, #1020
	adr	r2, thumb_literal
	add	r3, sp, #0
	add	r4, sp, #1020
thumb_fmt13_sp_offset:
	add	sp, #0
	add	sp, #508
	sub	sp, #4
	sub	sp, #508
thumb_fmt14_push_pop:
	push	{r0}
	push	{r0-r7}
	push	{lr}
	push	{r4-r7, lr}
	pop	{r0}
	pop	{r1, r3, r5, r7}
	pop	{pc}
	pop	{r4, pc}
	.inst.n	0xb400			@ push {} (empty list)
thumb_fmt15_multiple:
	stmia	r0!, {r1}
	stmia	r7!, {r0-r6}
	ldmia	r1!, {r2, r3}
	ldmia	r4, {r0, r4}		@ base in list: no writeback
	ldmia	r5!, {r0-r4, r6, r7}
thumb_fmt16_conditional_branch:
	.irp	cond, eq, ne, cs, cc, mi, pl, vs, vc, hi, ls, ge, lt, gt, le
	b\cond	thumb_fmt16_conditional_branch
	b\cond	1f
	.endr
1:	beq	.
	bne	.+4
	.inst.n	0xd07f			@ beq .+258: the farthest forward
	.inst.n	0xd180			@ bne .-252: the farthest back
thumb_fmt17_swi:
	swi	0
	swi	255
	.inst.n	0xde00			@ udf #0: condition 1110
	.inst.n	0xdeff
thumb_fmt18_branch:
	b	thumb_code
	b	.
	b	2f
	.inst.n	0xe3ff			@ b .+2050: the farthest forward
	.inst.n	0xe400			@ b .-2044: the farthest back
2:
thumb_fmt19_long_branch:
	bl	thumb_code
	bl	thumb_far_target
	bl	.
	.inst.n	0xf000, 0xf800		@ bl .+4
	.inst.n	0xf7ff, 0xffff		@ bl .+2
	.inst.n	0xf400, 0xf800		@ bl .-4MiB+4: sign-extended prefix
	.inst.n	0xf3ff, 0xffff		@ bl .+4MiB+2: largest forward
	bx	pc
	nop
	.arm
	b	arm_branch		@ back in ARM state after bx pc

	.thumb
	.align	2
thumb_literal:
	.word	0x11223344
	.ltorg

	.thumb_func
thumb_far_target:
	bx	lr
