/** The account id in local queue URLs and ARNs (any 12 digits would do; AWS's documentation examples use zeros too). */
export const LOCAL_ACCOUNT = '000000000000';
