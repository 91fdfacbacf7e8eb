// msgpackr loads its native accelerator inside try/catch; throwing here selects its JavaScript decoder.
throw new Error('msgpackr-extract: native acceleration is not installed (meshgd stub)')
