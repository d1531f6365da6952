#!/usr/bin/env python3
"""Reference values of the multi-resolution STFT loss (MultiResolutionSTFTLoss, the Oobleck's training loss) in PyTorch:
torch.stft with a periodic Hann window, centred frames padded with zeros, hop a quarter of the FFT size; spectral
convergence (per clip, averaged) plus mean |log magnitude difference|, averaged over FFT sizes 64 and 32. Prints the loss, the norm of its
gradient with respect to the estimate, and the slope along the gradient by central differences, which
Tests/TrainingTests/Training/MultiResolutionSTFTLossTests.swift asserts. The estimate is twice the target plus a
small ripple, so every bin's log-magnitude difference keeps its sign and the loss is smooth around it.

    python3 scripts/reference/stft_loss_reference.py
"""
import torch, math
n=512
target=torch.tensor([math.sin(i*0.3)*0.5+0.3*math.sin(i*i*0.37) for i in range(n)],dtype=torch.float32).reshape(2,1,256)
est=(2*target+0.01*torch.tensor([math.sin(i*1.7) for i in range(n)]).reshape(2,1,256)).requires_grad_()
def mag(x,nf):
    w=torch.hann_window(nf)
    S=torch.stft(x[:,0],nf,nf//4,window=w,return_complex=True,pad_mode='constant')
    return (S.real**2+S.imag**2+1e-8).sqrt()
def loss(e):
    tot=0
    for nf in [64,32]:
        y=mag(target,nf); yh=mag(e,nf)
        sc=(((yh-y)**2).sum(dim=(1,2)).sqrt()/((y*y).sum(dim=(1,2)).sqrt()+1e-8)).mean()
        lm=(yh.log()-y.log()).abs().mean()
        tot=tot+sc+lm
    return tot/2
l=loss(est); l.backward(); g=est.grad; nrm=g.norm().item()
h=1e-2
with torch.no_grad():
    d=g/nrm
    sl=(loss(est+h*d)-loss(est-h*d)).item()/(2*h)
    sl3=(loss(est+1e-3*d)-loss(est-1e-3*d)).item()/(2e-3)
print(f"loss {l.item():.9g} grad_norm {nrm:.9g} slope(h=1e-3) {sl3:.9g}")
